"""Everything the bot does on a timer: the jobs on the job queue (jobs.py), the reminder ticker (ticker.py), and which
instance runs them when several share one PostgreSQL database (leader.py)."""
