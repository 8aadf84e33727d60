"""The administrator side: render, deploy and check the CloudFormation stack that governs Claude Code on Bedrock."""
