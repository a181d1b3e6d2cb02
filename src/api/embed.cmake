# Writes the dashboard page as a C++ source: cmake -DIN=dashboard.html -DOUT=x.cpp -P embed.cmake
file(READ "${IN}" OFFPEAK_HTML)
file(WRITE "${OUT}.tmp" "// Generated from src/api/dashboard.html by src/api/embed.cmake.\n"
  "#include <offpeak/api/api.hpp>\n\nnamespace offpeak::api {\n\n"
  "std::string_view dashboard_html() {\n  static constexpr std::string_view k_page = R\"OFFPEAK_PAGE(${OFFPEAK_HTML})OFFPEAK_PAGE\";\n"
  "  return k_page;\n}\n\n}  // namespace offpeak::api\n")
file(COPY_FILE "${OUT}.tmp" "${OUT}" ONLY_IF_DIFFERENT)
