# Installed files beyond the programs, and the Debian package built by CPack
# (scripts/package; the `package_deb` test inspects it).
#
#   /usr/bin/{offpeak,offpeakd,offpeak-connect-sim}
#   /lib/systemd/system/offpeakd.service        (PREFIX/lib/systemd/system unless PREFIX is /usr)
#   /usr/share/offpeak/config/                  example configuration, demo, tariff presets
#   /usr/share/man/man{1,5,8}/                  offpeak(1), offpeak.yaml(5), offpeakd(8),
#                                               offpeak-connect-sim(1)
#   /usr/share/bash-completion/completions/offpeak
#   /usr/share/doc/offpeak/{copyright,changelog.gz}

set(OFFPEAK_PACKAGING_DIR ${PROJECT_SOURCE_DIR}/packaging)
set(OFFPEAK_MAINTAINER "offpeak maintainers <maintainers@offpeak.invalid>")

# The unit, with ExecStart at the bindir of the prefix actually installed to (CPack installs
# with prefix /usr). Packages on Debian 12 put their units in /lib/systemd/system.
install(CODE "set(OFFPEAK_UNIT_SOURCE \"${PROJECT_SOURCE_DIR}/systemd/offpeakd.service\")")
install(CODE [[
  if(CMAKE_INSTALL_PREFIX STREQUAL "/usr")
    set(unit_dir "/lib/systemd/system")
  else()
    set(unit_dir "${CMAKE_INSTALL_PREFIX}/lib/systemd/system")
  endif()
  file(READ "${OFFPEAK_UNIT_SOURCE}" unit)
  string(REPLACE "/usr/local/bin/offpeakd" "${CMAKE_INSTALL_PREFIX}/bin/offpeakd" unit "${unit}")
  message(STATUS "Installing: $ENV{DESTDIR}${unit_dir}/offpeakd.service")
  file(WRITE "$ENV{DESTDIR}${unit_dir}/offpeakd.service" "${unit}")
  file(CHMOD "$ENV{DESTDIR}${unit_dir}/offpeakd.service"
       PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
]])

# Manual pages and the changelog, compressed as Debian wants them (gzip -9n: reproducible).
set(OFFPEAK_MAN_PAGES offpeak.1 offpeakd.8 offpeak.yaml.5 offpeak-connect-sim.1)
set(compressed)
foreach(page IN LISTS OFFPEAK_MAN_PAGES)
  set(out ${CMAKE_CURRENT_BINARY_DIR}/packaging/man/${page}.gz)
  add_custom_command(OUTPUT ${out}
    COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_CURRENT_BINARY_DIR}/packaging/man
    COMMAND gzip -9n -c ${OFFPEAK_PACKAGING_DIR}/man/${page} > ${out}
    DEPENDS ${OFFPEAK_PACKAGING_DIR}/man/${page} VERBATIM)
  list(APPEND compressed ${out})
  string(REGEX MATCH "[0-9]$" section ${page})
  install(FILES ${out} DESTINATION ${CMAKE_INSTALL_MANDIR}/man${section})
endforeach()
string(TIMESTAMP OFFPEAK_CHANGELOG_DATE "%a, %d %b %Y %H:%M:%S +0000" UTC)
file(WRITE ${CMAKE_CURRENT_BINARY_DIR}/packaging/changelog
  "offpeak (${OFFPEAK_VERSION}) unstable; urgency=medium\n\n"
  "  * Built with CPack from the offpeak sources; see README.md for the changes.\n\n"
  " -- ${OFFPEAK_MAINTAINER}  ${OFFPEAK_CHANGELOG_DATE}\n")
add_custom_command(OUTPUT ${CMAKE_CURRENT_BINARY_DIR}/packaging/changelog.gz
  COMMAND gzip -9n -c ${CMAKE_CURRENT_BINARY_DIR}/packaging/changelog
          > ${CMAKE_CURRENT_BINARY_DIR}/packaging/changelog.gz
  DEPENDS ${CMAKE_CURRENT_BINARY_DIR}/packaging/changelog VERBATIM)
list(APPEND compressed ${CMAKE_CURRENT_BINARY_DIR}/packaging/changelog.gz)
add_custom_target(offpeak_packaging_files ALL DEPENDS ${compressed})

install(FILES ${OFFPEAK_PACKAGING_DIR}/completion/offpeak
  DESTINATION ${CMAKE_INSTALL_DATADIR}/bash-completion/completions)
install(FILES ${OFFPEAK_PACKAGING_DIR}/debian/copyright
              ${CMAKE_CURRENT_BINARY_DIR}/packaging/changelog.gz
  DESTINATION ${CMAKE_INSTALL_DATADIR}/doc/offpeak)

# --- the Debian package ---------------------------------------------------------------------
set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME offpeak)
set(CPACK_PACKAGE_VERSION ${OFFPEAK_VERSION})
set(CPACK_PACKAGE_CONTACT "${OFFPEAK_MAINTAINER}")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "smart charging of an electric car on cheap electricity")
# The extended description; CPack puts the summary above it as the synopsis.
set(CPACK_DEBIAN_PACKAGE_DESCRIPTION
  "offpeakd polls the car's state from its cloud, plans the cheapest charging
before the time the car is needed on the configured tariff (time-of-use
presets, Octopus Agile), switches the charger and records every session
with what it cost and saved. offpeak sets it up, checks the configuration,
shows plans, prices, sessions and monthly reports.

The service is installed but not enabled: run `offpeak setup' first.")
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)  # offpeak_<version>_<arch>.deb
set(CPACK_DEBIAN_PACKAGE_SECTION misc)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)    # Depends from dpkg-shlibdeps
# deb-systemd-invoke; the CA certificates that verify every HTTPS peer (the Connect service,
# the tariff APIs): a minimal Debian does not have them.
set(CPACK_DEBIAN_PACKAGE_DEPENDS "init-system-helpers (>= 1.52), ca-certificates")
set(CPACK_DEBIAN_PACKAGE_CONTROL_EXTRA
  ${OFFPEAK_PACKAGING_DIR}/debian/postinst
  ${OFFPEAK_PACKAGING_DIR}/debian/prerm
  ${OFFPEAK_PACKAGING_DIR}/debian/postrm)
set(CPACK_DEBIAN_PACKAGE_CONTROL_STRICT_PERMISSION ON)
set(CPACK_STRIP_FILES ON)
set(CPACK_SET_DESTDIR ON)                  # absolute /lib/systemd/system inside the package
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_INSTALL_PREFIX /usr)
include(CPack)
