// placeholder: sent_packets
#pragma once
