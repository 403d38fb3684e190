# Builds libsession and installs it like any C library:
#
#   make                          # cargo build --release, plus the libsession.so.0 link
#                                 # beside target/release/libsession.so (runnable unpacked)
#   sudo make install             # into /usr/local
#   make install PREFIX=/opt/ls DESTDIR=/tmp/stage
#   make install BUILD_DIR=target/debug/deps   # install prebuilt artifacts, no cargo run
#   make BUILD_DIR=target/debug   # only the libsession.so.0 link beside prebuilt artifacts
#   make install-strip            # the same without debug info (.so 16 MB -> 2 MB)
#   make uninstall
#
# Installs lib/libsession.so.X.Y.Z (soname libsession.so.0) with its libsession.so.0 and
# libsession.so links, lib/libsession.a, include/session.h and session.hpp,
# lib/pkgconfig/libsession.pc and lib/cmake/libsession/ (find_package(libsession)).
# The version comes from Cargo.toml alone. Why not cargo-c: docs/guide.md, "Installing".

PREFIX     ?= /usr/local
DESTDIR    ?=
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
PROFILE    ?= release
CARGO      ?= cargo
INSTALL    ?= install
STRIP      ?= strip

# A BUILD_DIR given by the caller holds finished artifacts: install them without building.
# Otherwise install builds first, but only when a source is newer than the library, so
# `make && sudo make install` does not need cargo in root's PATH.
ifdef BUILD_DIR
BUILD :=
CARGO_BUILD :=
else
BUILD_DIR := $(or $(CARGO_TARGET_DIR),target)/$(if $(filter dev test,$(PROFILE)),debug,$(PROFILE))
BUILD := $(BUILD_DIR)/libsession.so
CARGO_BUILD = $(CARGO) build --profile $(PROFILE) --lib
endif
SOURCES := $(shell find src -name '*.rs') build.rs cbindgen.toml Cargo.toml Cargo.lock

VERSION := $(shell sed -n 's/^version *= *"\([^"]*\)".*/\1/p' Cargo.toml | head -n 1)
MAJOR   := $(firstword $(subst ., ,$(VERSION)))
SONAME  := libsession.so.$(MAJOR)
REALNAME := libsession.so.$(VERSION)

# What a program linking libsession.a needs besides it (rustc --print native-static-libs).
STATIC_LIBS := -lssl -lcrypto -lz -lgcc_s -lutil -lrt -lpthread -lm -ldl

# pkg-config paths relative to ${prefix} when they lie under it (pkg-config --define-prefix).
PC_LIBDIR     := $(patsubst $(PREFIX)/%,$${prefix}/%,$(LIBDIR))
PC_INCLUDEDIR := $(patsubst $(PREFIX)/%,$${prefix}/%,$(INCLUDEDIR))
# The CMake config finds everything relative to its own directory (relocatable, DESTDIR-safe).
CMAKEDIR      := $(LIBDIR)/cmake/libsession
CMAKE_INCDIR  := $(shell realpath -m --relative-to=$(CMAKEDIR) $(INCLUDEDIR))

SUBST = sed -e 's|@VERSION@|$(VERSION)|g' -e 's|@MAJOR@|$(MAJOR)|g' \
	-e 's|@PREFIX@|$(PREFIX)|g' -e 's|@LIBDIR@|$(PC_LIBDIR)|g' \
	-e 's|@INCLUDEDIR@|$(PC_INCLUDEDIR)|g' -e 's|@CMAKE_INCDIR@|$(CMAKE_INCDIR)|g' \
	-e 's|@REALNAME@|$(REALNAME)|g' -e 's|@SONAME@|$(SONAME)|g' \
	-e 's|@STATIC_LIBS@|$(STATIC_LIBS)|g' \
	-e 's|@CMAKE_STATIC_LIBS@|$(subst $() ,;,$(STATIC_LIBS))|g'

all: build

# The library's soname is libsession.so.0 (build.rs), so a program linked with
# -L$(BUILD_DIR) -lsession asks for libsession.so.0 at run time; cargo writes only
# libsession.so, so the link beside it is what makes LD_LIBRARY_PATH=$(BUILD_DIR) work.
build:
	$(CARGO_BUILD)
	@test -f $(BUILD_DIR)/libsession.so || { echo "$(BUILD_DIR)/libsession.so missing" >&2; exit 1; }
	ln -sf libsession.so $(BUILD_DIR)/$(SONAME)

# cargo writes libsession.a with it.
$(BUILD_DIR)/libsession.so: $(SOURCES)
	$(CARGO) build --profile $(PROFILE) --lib
	ln -sf libsession.so $(BUILD_DIR)/$(SONAME)

install: $(BUILD)
	@test -n "$(VERSION)" || { echo "no version in Cargo.toml" >&2; exit 1; }
	@for f in libsession.so libsession.a; do \
	  test -f "$(BUILD_DIR)/$$f" || { echo "$(BUILD_DIR)/$$f missing (build first)" >&2; exit 1; }; \
	done
	$(INSTALL) -d $(DESTDIR)$(LIBDIR)/pkgconfig $(DESTDIR)$(CMAKEDIR) $(DESTDIR)$(INCLUDEDIR)
	$(INSTALL) -m 755 $(BUILD_DIR)/libsession.so $(DESTDIR)$(LIBDIR)/$(REALNAME)
	ln -sf $(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME)
	ln -sf $(SONAME) $(DESTDIR)$(LIBDIR)/libsession.so
	$(INSTALL) -m 644 $(BUILD_DIR)/libsession.a $(DESTDIR)$(LIBDIR)/libsession.a
	$(INSTALL) -m 644 include/session.h include/session.hpp $(DESTDIR)$(INCLUDEDIR)/
	$(SUBST) packaging/libsession.pc.in >$(DESTDIR)$(LIBDIR)/pkgconfig/libsession.pc
	$(SUBST) packaging/libsessionConfig.cmake.in >$(DESTDIR)$(CMAKEDIR)/libsessionConfig.cmake
	$(SUBST) packaging/libsessionConfigVersion.cmake.in >$(DESTDIR)$(CMAKEDIR)/libsessionConfigVersion.cmake

install-strip: install
	$(STRIP) --strip-debug $(DESTDIR)$(LIBDIR)/$(REALNAME) $(DESTDIR)$(LIBDIR)/libsession.a

uninstall:
	rm -f $(DESTDIR)$(LIBDIR)/$(REALNAME) $(DESTDIR)$(LIBDIR)/$(SONAME) \
	  $(DESTDIR)$(LIBDIR)/libsession.so $(DESTDIR)$(LIBDIR)/libsession.a \
	  $(DESTDIR)$(INCLUDEDIR)/session.h $(DESTDIR)$(INCLUDEDIR)/session.hpp \
	  $(DESTDIR)$(LIBDIR)/pkgconfig/libsession.pc \
	  $(DESTDIR)$(CMAKEDIR)/libsessionConfig.cmake $(DESTDIR)$(CMAKEDIR)/libsessionConfigVersion.cmake
	-rmdir $(DESTDIR)$(CMAKEDIR)

print-version:
	@echo $(VERSION)

.PHONY: all build install install-strip uninstall print-version
