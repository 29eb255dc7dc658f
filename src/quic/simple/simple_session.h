// placeholder: simple_session
#pragma once
