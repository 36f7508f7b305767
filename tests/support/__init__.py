"""What tests of every area share: the diagrams they deploy (``diagrams/``), driving processes as the
demo users (``flows``), page clients and browser sessions (``pages``), test handlers (``handlers``)."""
