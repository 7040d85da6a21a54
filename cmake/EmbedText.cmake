# cmake -DIN=file -DOUT=file.cc -DVAR=kName -DNS=a::b -P EmbedText.cmake
file(READ ${IN} content)
file(WRITE ${OUT} "// Generated from ${IN}; do not edit.\n#include <string_view>\nnamespace ${NS} {\nextern const std::string_view ${VAR};\nconst std::string_view ${VAR} = R\"HOTLINE_EMBED(${content})HOTLINE_EMBED\";\n}  // namespace ${NS}\n")
