"""The administrator's side: configure, render, deploy-policies, status (the guide's `ccwb enterprise`)."""
