// placeholder: new_reno
#pragma once
