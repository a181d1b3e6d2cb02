# Thin wrapper over CMake; scripts/test and scripts/demo are what CI and the README use.
JOBS ?= $(shell nproc)
.PHONY: build test demo clean format
build:
	cmake -S . -B build -DOFFPEAK_WERROR=ON && cmake --build build -j$(JOBS)
test:
	./scripts/test
demo:
	./scripts/demo
format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')
clean:
	rm -rf build build-asan build-bench
