# Sourced by the test scripts (run-tests.sh, valgrind-jobs.sh): the suites
# and jobs they run start their own servers and give each run what it
# needs.  A developer's provider credentials, state directory, CA or
# Docker host must not reach them (a reap would see the developer's
# journals, a job the developer's endpoint).
unset DAYTONA_API_URL DAYTONA_API_KEY DAYTONA_JWT_TOKEN \
	DAYTONA_ORGANIZATION_ID DAYTONA_TARGET E2B_API_KEY E2B_API_URL \
	E2B_DOMAIN E2B_SANDBOX_URL ENVIRONMENT_API_KEY RUNEVAL_STATE_DIR \
	TASKAPP_SANDBOX_UID \
	RUNEVAL_CA_CERT RUNEVAL_DOCKER_NETWORK RUNEVAL_MULTI_CHILD \
	DOCKER_HOST GITHUB_STEP_SUMMARY $(compgen -e DAYTONA_LITE_) \
	$(compgen -e E2B_LITE_)
