// placeholder: simple_engine
#pragma once
