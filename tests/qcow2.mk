# tests/qcow2.mk: owned by the qcow2 area; append to TESTS / check_PROGRAMS.
