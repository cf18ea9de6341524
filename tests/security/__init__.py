"""The security regression suite: the cases of issue 14 (hardening), each kept by a test.

 1. metadata 300 deep breaks every read: test_bounded_input (bounds, values stored before)
 2. parallel wrong passwords all checked: test_lockout (twenty parallel guesses)
 3. a demoted instructor still manages: test_demoted_instructor
 4. database missing, closed or hung, 500: test_database_faults (tests/fault_proxy.py)
 5. deeply nested JSON body, 500: test_bounded_input, test_hostile_input
 6. NUL in strings, 500 and a hash in the log: test_bounded_input, test_hostile_input,
    test_database_faults (no row values logged)
 7. failing handlers retried at once: tests/integration/mail/test_email_delivery.py,
    tests/integration/mail/test_retries_on_service_bus.py, tests/unit/messaging/test_retries.py
 8. huge page, infinite percentage, odd token times: test_bounded_input, test_token_claims
 9. SQL parameters in logs: test_database_faults, tests/unit/observability/test_redaction.py
10. account enumeration, unlimited reset mails: tests/functional/auth/test_password_reset.py
    (bench/forgot_password_timing.py measures the timing)
11. a revoked family's access tokens still work: test_session_revocation
12. admin IP allowlist and mfa_required ignored: test_admin_ip_allowlist,
    test_admin_mfa_required
13. one IP locks out everyone: test_lockout (sprayed IP)
14. X-Forwarded-For chosen by the client: test_forwarded_for
15. lms serve, HEAD bodies and bodies read past the limit: test_server_answers
16. quiz lessons completed without the quiz: test_quiz_gate
"""
