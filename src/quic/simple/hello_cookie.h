// placeholder: hello_cookie
#pragma once
