"""The RESQUE indices: embedding passes, RESQUE_dist and RESQUE_task, and the request-to-report pipeline."""
