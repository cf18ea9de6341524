"""Analytics: the figures students, instructors and admins see, computed from the rows."""
