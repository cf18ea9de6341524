"""Backups you can restore: `lms backup`, `lms restore` and `lms restore-drill`.

A backup is a few files that share one stamp, in BACKUP_DIR (and BACKUP_CONTAINER):

    lms-20250301T020000Z.pgdump[.enc]      the database (pg_dump custom format, or an SQLite file)
    lms-20250301T020000Z.blobs.tar[.enc]   the blob containers, with --include-blobs
    lms-20250301T020000Z.manifest.json     what is in them: schema revision, rows per table,
                                           sha256 and size of each file, how long it took

The manifest is what makes a backup checkable: a restore refuses a file whose sha256 differs
(corrupted, truncated, tampered with) and a schema the code does not know (newer than it).
"""
