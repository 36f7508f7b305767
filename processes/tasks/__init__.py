"""Collaboration on user tasks: drafts, transfer, delegation, copies (抄送), urges (催办), task lists."""
