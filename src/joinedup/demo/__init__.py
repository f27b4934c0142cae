"""The synthetic council ("demo data"): a fictional district with ground truth.

`generate()` writes the source files a council would hand over (gazetteer, council tax,
electoral register, deaths), a `joinedup.yaml` that describes them, and `truth/` files that
say who every record really is, so that linking and rules can be measured, not just run.
"""

from joinedup.demo.generator import DemoSummary, generate

__all__ = ["DemoSummary", "generate"]
