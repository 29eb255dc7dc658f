// placeholder: received_packets
#pragma once
