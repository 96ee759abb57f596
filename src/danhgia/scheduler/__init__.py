"""Everything the bot does on a timer: the jobs on the job queue (jobs.py) and the reminder ticker (ticker.py)."""
