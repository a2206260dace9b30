# The Debian package (scripts/package runs CPack on an existing build; nothing is compiled again).
# Runtime dependencies come from dpkg-shlibdeps on the installed binary, not from a hand-kept list.
include(GNUInstallDirs)

# Debian keeps the package's changelog compressed beside its docs.
set(changelog_gz ${CMAKE_BINARY_DIR}/packaging/changelog.Debian.gz)
add_custom_command(OUTPUT ${changelog_gz}
  COMMAND ${CMAKE_COMMAND} -E make_directory ${CMAKE_BINARY_DIR}/packaging
  COMMAND sh -c "gzip -9nc '${PROJECT_SOURCE_DIR}/packaging/debian/changelog' > '${changelog_gz}'"
  DEPENDS ${PROJECT_SOURCE_DIR}/packaging/debian/changelog
  VERBATIM)
add_custom_target(entragate_changelog ALL DEPENDS ${changelog_gz})
install(FILES ${changelog_gz} DESTINATION ${CMAKE_INSTALL_DOCDIR})

set(CPACK_GENERATOR DEB)
set(CPACK_PACKAGE_NAME entragate)
set(CPACK_PACKAGE_VERSION ${PROJECT_VERSION})
set(CPACK_PACKAGE_VENDOR "entragate")
set(CPACK_PACKAGE_CONTACT "entragate maintainers <entragate@localhost>")
set(CPACK_PACKAGE_DESCRIPTION_SUMMARY "Microsoft Entra ID application access policy as code")
set(CPACK_PACKAGE_DESCRIPTION
  "entragate keeps Microsoft Entra ID application access policy in YAML manifests kept in git:\nvalidate, plan, apply and drift against Microsoft Graph or its built-in local tenant.")
set(CPACK_PACKAGING_INSTALL_PREFIX /usr)
set(CPACK_STRIP_FILES ON)
set(CPACK_DEBIAN_FILE_NAME DEB-DEFAULT)
set(CPACK_DEBIAN_PACKAGE_SECTION admin)
set(CPACK_DEBIAN_PACKAGE_PRIORITY optional)
set(CPACK_DEBIAN_PACKAGE_SHLIBDEPS ON)
set(CPACK_DEBIAN_PACKAGE_SUGGESTS "bash-completion, man-db")
set(CPACK_DEBIAN_PACKAGE_GENERATE_SHLIBS OFF)
set(CPACK_OUTPUT_FILE_PREFIX ${CMAKE_BINARY_DIR}/packages)
include(CPack)
