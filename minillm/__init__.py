"""minillm: the small, readable, from-scratch package behind 《大语言模型原理与工程实践：动态交互》.

Importing the package is cheap: submodules (``minillm.data``, ``minillm.utils`` …) load on use.
"""

__version__ = "0.1.0"
