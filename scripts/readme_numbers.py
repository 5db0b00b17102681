#!/usr/bin/python3
"""readme_numbers — check (or rewrite) the README's result numbers against what the notebooks computed.

Usage: readme_numbers.py (--check | --write | --names) [--unrecorded-ok PREFIX]... NUMBERS.json DOC.md...

A result number in a Markdown file is marked with the name a notebook's caption recorded it
under, in an HTML comment right after it, which renders as nothing:

    a laziness gap of 0.055<!--n:laziness.gap.joint.m0--> ± 0.016<!--n:laziness.gap.joint.m0.ci-->

NUMBERS.json is the file scripts/nbrun.py writes (<report>/numbers.json): the named numbers
that figures.ShowCaption printed (figures.N, figures.E; docs/ARCHITECTURE.md, "Numbers in prose").

  --check  fails (exit 1) when a marked number differs from the computed one rounded to the
           README's printed precision, or when a marked name was not recorded; a quick run's
           numbers are refused (they are not the reported results). `make reproduce` runs it.
  --write  rewrites every marked number with the computed one at the same precision and sign
           style (a full-size run only), and reports what changed.
  --names  only checks that every marked name was recorded (any run size; `make test` runs it
           on the quick run).
  --unrecorded-ok PREFIX
           a marked name that starts with PREFIX and that no notebook recorded is listed as not
           checked instead of failing (repeatable); recorded ones are checked as usual. `make
           reproduce` passes `real.avmnist.` when the FSDD recordings are absent, since notebook 08
           then skips AV-MNIST, saying so.
Bad input (a missing or malformed file, a marker after no number) exits 2.
"""
import argparse
import json
import re
import sys

# A number (optionally signed: +, - or the minus sign −) directly followed by its marker.
MARKED = re.compile(r"([+\-−]?)([0-9]+(?:\.([0-9]+))?)<!--n:([A-Za-z0-9_.\-/]+)-->")
MARKER = re.compile(r"<!--n:([^>]*)-->")


class BadInput(Exception):
    pass


def load_numbers(path):
    """Returns ({name: value}, quick) from nbrun's numbers.json."""
    try:
        with open(path, encoding="utf-8") as f:
            doc = json.load(f)
        nums = {k: float(v["value"]) for k, v in doc["numbers"].items()}
        return nums, bool(doc.get("quick", False))
    except OSError as e:
        raise BadInput(f"{path}: {e.strerror}")
    except (ValueError, KeyError, TypeError, AttributeError) as e:
        raise BadInput(f"{path}: not an nbrun numbers.json ({type(e).__name__}: {e})")


def markers(text, path):
    """Yields (match, line) for every marked number; raises BadInput for a marker after no number."""
    marked = {m.start(4) - len("<!--n:") for m in MARKED.finditer(text)}
    for m in MARKER.finditer(text):
        if m.start() not in marked:
            line = text.count("\n", 0, m.start()) + 1
            raise BadInput(f"{path}:{line}: marker <!--n:{m.group(1)}--> does not follow a number")
    for m in MARKED.finditer(text):
        yield m, text.count("\n", 0, m.start()) + 1


def compare(text, path, nums, names_only=False, unrecorded_ok=(), unchecked=None):
    """Returns ([problems], new_text): every marked number checked against nums; new_text has each
    marked number replaced by the computed one (for --write). A name not in nums that starts with
    one of unrecorded_ok is appended to unchecked (a list), not to problems."""
    problems, out, last = [], [], 0
    for m, line in markers(text, path):
        sign, number, frac, name = m.group(1), m.group(2), m.group(3) or "", m.group(4)
        out.append(text[last:m.start()])
        last = m.end()
        if name not in nums:
            if any(name.startswith(p) for p in unrecorded_ok):
                if unchecked is not None:
                    unchecked.append(f"{path}:{line}: {name}")
            else:
                problems.append(f"{path}:{line}: {name} is not a number any notebook recorded")
            out.append(m.group(0))
            continue
        if names_only:
            out.append(m.group(0))
            continue
        value = nums[name]
        digits = f"{abs(value):.{len(frac)}f}"
        zero = float(digits) == 0
        negative = sign in ("-", "−")
        same = digits == number and (zero or negative == (value < 0))
        if zero:
            new = sign + digits
        elif value < 0:
            new = ("-" if sign == "-" else "−") + digits
        else:
            new = ("+" if sign == "+" else "") + digits
        if not same:
            problems.append(f"{path}:{line}: {name} reads {sign}{number}, computed {new} ({value!r})")
        out.append(new + f"<!--n:{name}-->")
    out.append(text[last:])
    return problems, "".join(out)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    mode = ap.add_mutually_exclusive_group(required=True)
    mode.add_argument("--check", action="store_true")
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--names", action="store_true")
    ap.add_argument("--unrecorded-ok", action="append", default=[], metavar="PREFIX")
    ap.add_argument("numbers")
    ap.add_argument("docs", nargs="+")
    args = ap.parse_args(argv)
    try:
        nums, quick = load_numbers(args.numbers)
        if quick and not args.names:
            raise BadInput(f"{args.numbers}: a quick run (MMLAB_QUICK=1): its numbers are not the "
                           "reported results; check the report of `make reproduce` (or use --names)")
        problems, count, unchecked = [], 0, []
        for path in args.docs:
            try:
                with open(path, encoding="utf-8") as f:
                    text = f.read()
            except OSError as e:
                raise BadInput(f"{path}: {e.strerror}")
            found, new = compare(text, path, nums, names_only=args.names,
                                 unrecorded_ok=tuple(args.unrecorded_ok), unchecked=unchecked)
            count += sum(1 for _ in markers(text, path))
            if args.write:
                unknown = [p for p in found if "not a number any notebook recorded" in p]
                problems += unknown
                for p in found:
                    if p not in unknown:
                        print("readme_numbers: rewrote " + p)
                if new != text and not unknown:
                    with open(path, "w", encoding="utf-8") as f:
                        f.write(new)
            else:
                problems += found
    except BadInput as e:
        print(f"readme_numbers: {e}", file=sys.stderr)
        return 2
    for p in problems:
        print("readme_numbers: " + p, file=sys.stderr)
    if unchecked:
        print(f"readme_numbers: {len(unchecked)} marked numbers not checked: no notebook recorded them and "
              f"they start with {', '.join(args.unrecorded_ok)} (e.g. {unchecked[0]})", file=sys.stderr)
    what = "names" if args.names else "numbers"
    if problems:
        print(f"readme_numbers: {len(problems)} of {count} marked {what} wrong", file=sys.stderr)
        return 1
    checked = f"{count - len(unchecked)} checked of {count}" if unchecked else f"{count}"
    print(f"readme_numbers: all {checked} marked {what} in {', '.join(args.docs)} match {args.numbers}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
