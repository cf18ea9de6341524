"""The local host behind `lms serve`: what the Functions host does in Azure, on one machine.

server.py starts it; wsgi.py and routing.py (with route_templates.py and route_constraints.py)
serve the HTTP functions; timers.py, timer_claims.py and ncrontab.py run the timer triggers.
Development and single-node use only.
"""
