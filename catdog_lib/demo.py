"""Old import path, kept for the code that imports it from here: the code lives in ``catdog_lib.course.demo``."""
from .course.demo import SMALL_ON_CPU, demo_environment, run_course, run_demo, run_notebook

__all__ = ["run_demo", "run_course", "run_notebook", "demo_environment", "SMALL_ON_CPU"]
