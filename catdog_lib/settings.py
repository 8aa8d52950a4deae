"""Old import path, kept for the lessons learners already have: the code lives in
``catdog_lib.notebook.settings``, ``catdog_lib.notebook.photos`` and ``catdog_lib.course.colab``."""
from .course.colab import COLAB_DIR, KIT_BRANCH, KIT_GIT_URL, KIT_REPO, colab_badge, colab_url
from .notebook.photos import get_photos, lesson_data
from .notebook.settings import HELP, Settings, env_name, load_settings

__all__ = ["Settings", "load_settings", "HELP", "env_name", "get_photos", "lesson_data",
           "KIT_REPO", "KIT_BRANCH", "KIT_GIT_URL", "COLAB_DIR", "colab_url", "colab_badge"]
