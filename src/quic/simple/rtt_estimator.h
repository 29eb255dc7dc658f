// placeholder: rtt_estimator
#pragma once
