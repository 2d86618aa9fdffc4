# tests/guests.mk: real Debian test guests (tests/guests/) and their boot tests.
