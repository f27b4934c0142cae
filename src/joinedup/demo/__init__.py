"""The synthetic council ("demo data"): a fictional district with ground truth.

`generate()` writes the source files a council would hand over (gazetteer, council tax,
electoral register, deaths, blue badges, housing benefit, payroll, creditor payments, adult
social care, HMO licences), a `joinedup.yaml` that describes them, and `truth/` files that
say who every record really is and, per rule, which records are real cases and which are
look-alikes, so that linking and rules can be measured, not just run.
"""

from joinedup.demo.generator import DemoSummary, generate

__all__ = ["DemoSummary", "generate"]
