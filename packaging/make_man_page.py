#!/usr/bin/python3
"""Makes one program's man page from its own --help and --version, with Debian's help2man, gzipped as Debian
wants (gzip -9n: no name, no time stamp). Run at build time by packaging/CMakeLists.txt:

    make_man_page.py --program build/cli/facefilter-cli --name "..." --output facefilter-cli.1.gz \
        [--include FILE.h2m ...] [--subcommands detect,run,eval]

help2man formats the program's top-level help. A program of subcommands (facefilter-cli) gets a COMMANDS
section made from each `PROGRAM COMMAND --help`, in the same option layout, so that nothing is written twice.
The program runs without a display and with HOME set to "~", so that the defaults it prints are the ones a
user reads (~/.config/facefilter/...), not the build machine's.
"""
import argparse
import gzip
import os
import pathlib
import re
import subprocess
import sys
import tempfile

# CLI11's layout (settings/command_line.cpp's formatter): an option at column 2, its help from this column.
OPTION_LINE = re.compile(r"^  (\S.*?)(?:\s{2,}(\S.*))?$")


def roff(text):
    """Text as roff reads it literally: backslashes and hyphens escaped, no line taken as a request."""
    text = text.replace("\\", "\\e").replace("-", "\\-")
    return "\\&" + text if text.startswith((".", "'")) else text


def program_env():
    env = dict(os.environ)
    for name in ("DISPLAY", "WAYLAND_DISPLAY", "XDG_CONFIG_HOME", "FACEFILTER_MODEL", "FACEFILTER_SHADER_DIR"):
        env.pop(name, None)
    env["HOME"] = "~"
    # The eval command prints the data folder's default; name the variable instead of this machine's folder.
    env["FACEFILTER_DATA"] = "$FACEFILTER_DATA"
    return env


def run_help(program, args):
    out = subprocess.run([program, *args, "--help"], env=program_env(), capture_output=True, text=True,
                         timeout=120)
    if out.returncode != 0:
        sys.exit(f"make_man_page: '{program} {' '.join(args)} --help' failed ({out.returncode}): {out.stderr}")
    return out.stdout


def command_section(program, commands):
    """[COMMANDS] for help2man --include: each command's help as option paragraphs (.TP), as help2man does."""
    lines = ["[COMMANDS]"]
    name = pathlib.Path(program).name
    for command in commands:
        text = run_help(program, [command]).rstrip("\n").split("\n")
        lines += [f'.SS "{name} {command}"', roff(text[0])]
        option = None  # the .TP paragraph being filled
        for line in text[1:]:
            if not line.strip():
                option = None
                continue
            if line.startswith("usage:"):
                lines += [".PP", "\\fB" + roff(line[len("usage: "):]) + "\\fR"]
            elif not line.startswith(" ") and line.endswith(":"):
                lines += [".PP", "\\fI" + roff(line) + "\\fR"]
            elif option is not None and line.startswith("    "):
                lines.append(roff(line.strip()))  # a help that starts on the next line, or goes on
            elif (m := OPTION_LINE.match(line)) is not None:
                lines += [".TP", "\\fB" + roff(m.group(1)) + "\\fR"]
                if m.group(2):
                    lines.append(roff(m.group(2)))
                option = m.group(1)
            else:
                lines += [".PP", roff(line.strip())]
                option = None
    return "\n".join(lines) + "\n"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--program", required=True)
    ap.add_argument("--name", required=True, help="the NAME line's description")
    ap.add_argument("--output", required=True, help="the .1.gz to write")
    ap.add_argument("--include", action="append", default=[], help="help2man include files")
    ap.add_argument("--subcommands", default="", help="comma-separated commands for a COMMANDS section")
    ap.add_argument("--help2man", default="help2man")
    args = ap.parse_args()

    with tempfile.TemporaryDirectory() as tmp:
        includes = list(args.include)
        if args.subcommands:
            extra = pathlib.Path(tmp) / "commands.h2m"
            extra.write_text(command_section(args.program, args.subcommands.split(",")))
            includes.append(str(extra))
        page = pathlib.Path(tmp) / "page.1"
        cmd = [args.help2man, "--no-info", "--section=1", f"--name={args.name}", f"--output={page}"]
        cmd += [f"--include={i}" for i in includes]
        cmd.append(args.program)
        out = subprocess.run(cmd, env=program_env(), capture_output=True, text=True, timeout=300)
        if out.returncode != 0 or not page.exists():
            sys.exit(f"make_man_page: help2man failed for {args.program} ({out.returncode}): {out.stderr}")
        data = page.read_bytes()
    # gzip -9n: no file name and a zero time stamp, so the same page gives the same bytes.
    with open(args.output, "wb") as raw, gzip.GzipFile(filename="", mode="wb", compresslevel=9, fileobj=raw,
                                                        mtime=0) as gz:
        gz.write(data)


if __name__ == "__main__":
    main()
