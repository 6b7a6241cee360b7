# aria_warnings: the project's own warning flags, linked PRIVATE by every target of ours
# (never exported to consumers, never applied to system headers).
add_library(aria_warnings INTERFACE)
target_compile_options(aria_warnings INTERFACE -Wall -Wextra -Wshadow=local -Wnon-virtual-dtor)
if(ARIA_WERROR)
  target_compile_options(aria_warnings INTERFACE -Werror)
endif()
if(ARIA_SANITIZE)
  target_compile_options(aria_warnings INTERFACE -fsanitize=address,undefined -fno-omit-frame-pointer)
  target_link_options(aria_warnings INTERFACE -fsanitize=address,undefined)
endif()
