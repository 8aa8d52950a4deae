"""Where the kit lives on GitHub, and what is made from it: the "Open in Colab" and "Open in Kaggle" badges.

``KIT_REPO`` is the one place the kit's public address is written.
"""
KIT_REPO = "catdog-course/catdog-kit"
KIT_BRANCH = "main"
KIT_GIT_URL = f"https://github.com/{KIT_REPO}.git"
COLAB_DIR = "/content/catdog-kit"  # where the setup cell clones the kit in Colab


def colab_url(notebook, folder="lessons"):
    """The address that opens ``folder/notebook`` of the kit in Google Colab."""
    return f"https://colab.research.google.com/github/{KIT_REPO}/blob/{KIT_BRANCH}/{folder}/{notebook}"


def colab_badge(notebook, folder="lessons"):
    """Markdown for the "Open in Colab" badge of a notebook."""
    return (f"[![Open in Colab](https://colab.research.google.com/assets/colab-badge.svg)]"
            f"({colab_url(notebook, folder)})")


def kaggle_url(notebook, folder="lessons"):
    """The address that opens ``folder/notebook`` of the kit in Kaggle Notebooks (Kaggle's "Open in Kaggle" scheme)."""
    return f"https://kaggle.com/kernels/welcome?src=https://github.com/{KIT_REPO}/blob/{KIT_BRANCH}/{folder}/{notebook}"
