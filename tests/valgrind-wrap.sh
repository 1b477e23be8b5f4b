#!/bin/sh
# SPDX-License-Identifier: BSD-3-Clause
# `meson test --setup valgrind` wraps every test with this: ELF programs run under memcheck;
# scripts run as they are (their own programs are not ours to check, and valgrind on a shell
# reports the shell's leaks).
case "$(head -c 4 "$1" 2>/dev/null | od -An -c | tr -d ' ')" in
*ELF*)
	exec valgrind --quiet --error-exitcode=99 --leak-check=full \
		--errors-for-leak-kinds=definite --show-leak-kinds=definite \
		--suppressions="$(dirname "$0")/valgrind.supp" "$@" ;;
*)
	exec "$@" ;;
esac
