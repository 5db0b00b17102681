#!/usr/bin/python3
"""Tests of readme_numbers: marked numbers are checked at their printed precision, unknown names
and stray markers fail, --write rewrites only the marked numbers.

Run: python3 -m unittest discover -s scripts -p '*_test.py' (make test does).
"""
import json
import os
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import readme_numbers  # noqa: E402

NUMBERS = {"gap": 0.0546, "gap.ci": 0.0161, "diff": -0.0492, "tie": -0.0003, "acc": 0.99351}
DOC = ("A gap of 0.055<!--n:gap--> ± 0.016<!--n:gap.ci-->; UMT − joint −0.049<!--n:diff-->, "
       "a tie (+0.000<!--n:tie-->), accuracy 0.99<!--n:acc--> | 0.994<!--n:acc--> |\n"
       "Typed numbers such as 0.5 are not checked.\n")


class ReadmeNumbers(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()
        self.addCleanup(self.dir.cleanup)

    def write(self, name, text):
        path = os.path.join(self.dir.name, name)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)
        return path

    def numbers(self, nums=NUMBERS, quick=False):
        return self.write("numbers.json", json.dumps(
            {"quick": quick, "numbers": {k: {"value": v, "notebook": "nb"} for k, v in nums.items()}}))

    def run_main(self, *args):
        return readme_numbers.main(list(args))

    def test_matching_numbers_pass(self):
        self.assertEqual(self.run_main("--check", self.numbers(), self.write("R.md", DOC)), 0)

    def test_each_kind_of_mismatch_fails(self):
        for wrong, want in [
            (DOC.replace("0.055<!--n:gap-->", "0.054<!--n:gap-->"), "gap reads 0.054, computed 0.055"),
            (DOC.replace("−0.049<!--n:diff-->", "0.049<!--n:diff-->"), "diff reads 0.049, computed −0.049"),
            (DOC.replace("0.016<!--n:gap.ci-->", "0.016<!--n:gap.cj-->"), "gap.cj is not a number"),
        ]:
            with self.subTest(want):
                problems, _ = readme_numbers.compare(wrong, "R.md", NUMBERS)
                self.assertEqual(len(problems), 1, problems)
                self.assertIn(want, problems[0])
                self.assertTrue(problems[0].startswith("R.md:1: "))
                self.assertEqual(self.run_main("--check", self.numbers(), self.write("R.md", wrong)), 1)

    def test_names_only_ignores_values(self):
        doc = self.write("R.md", DOC.replace("0.055<!--n:gap-->", "0.054<!--n:gap-->"))
        self.assertEqual(self.run_main("--names", self.numbers(quick=True), doc), 0)
        missing = dict(NUMBERS)
        del missing["acc"]
        self.assertEqual(self.run_main("--names", self.numbers(missing), doc), 1)

    def test_unrecorded_ok_lists_a_prefix_unchecked(self):
        missing = dict(NUMBERS)
        del missing["acc"]
        doc = self.write("R.md", DOC)
        self.assertEqual(self.run_main("--check", self.numbers(missing), doc), 1)
        self.assertEqual(self.run_main("--check", "--unrecorded-ok", "ac", self.numbers(missing), doc), 0)
        self.assertEqual(self.run_main("--check", "--unrecorded-ok", "gap", self.numbers(missing), doc), 1)
        # A recorded name under the prefix is still checked.
        wrong = self.write("W.md", DOC.replace("0.055<!--n:gap-->", "0.054<!--n:gap-->"))
        self.assertEqual(self.run_main("--check", "--unrecorded-ok", "gap", self.numbers(), wrong), 1)

    def test_quick_numbers_are_refused_for_check(self):
        self.assertEqual(self.run_main("--check", self.numbers(quick=True), self.write("R.md", DOC)), 2)

    def test_bad_input_exits_2(self):
        doc = self.write("R.md", DOC)
        self.assertEqual(self.run_main("--check", os.path.join(self.dir.name, "none.json"), doc), 2)
        self.assertEqual(self.run_main("--check", self.write("bad.json", "{}"), doc), 2)
        stray = self.write("S.md", "text <!--n:gap--> after no number\n")
        self.assertEqual(self.run_main("--check", self.numbers(), stray), 2)

    def test_write_rewrites_marked_numbers_only(self):
        doc = self.write("R.md", DOC)
        new = dict(NUMBERS, gap=0.0611, diff=0.0123, acc=0.9)
        self.assertEqual(self.run_main("--write", self.numbers(new), doc), 0)
        with open(doc, encoding="utf-8") as f:
            got = f.read()
        self.assertEqual(got, DOC.replace("0.055<!--n:gap-->", "0.061<!--n:gap-->")
                         .replace("−0.049<!--n:diff-->", "0.012<!--n:diff-->")
                         .replace("0.99<!--n:acc-->", "0.90<!--n:acc-->")
                         .replace("0.994<!--n:acc-->", "0.900<!--n:acc-->"))
        self.assertEqual(self.run_main("--check", self.numbers(new), doc), 0)


if __name__ == "__main__":
    unittest.main()
