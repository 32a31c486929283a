"""Operations: metrics, error reporting, logs, deployment files and fuzzing."""
