// zlib (Debian: zlib1g-dev), for inflating the one entry of a .docx the mail intake reads.
#include <zlib.h>
