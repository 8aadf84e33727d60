"""The administrator's side: the CloudFormation stack that puts the security profiles into IAM and the audit
log group into CloudWatch Logs, rendered as plain data so it can be linted, diffed and deployed."""
