"""taphuan-crawler: training-course announcements from Vietnamese Party and provincial sites."""

__version__ = "0.1.0"
