"""Uploaded files: uploads through the API, direct uploads to storage, reading and deleting.

library.owned_file(uow, owner_id, file_id)     # a file of this owner (assignments use it)
uploads.upload_file(uow, store, settings, actor, incoming, folder, is_public)
direct.start_direct_upload(...) / direct.complete_upload(...)
cleanup.remove_abandoned(...)                   # the timer's sweep
"""
