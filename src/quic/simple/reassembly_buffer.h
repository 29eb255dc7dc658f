// placeholder: reassembly_buffer
#pragma once
