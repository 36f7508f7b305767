"""The recognition procedure (Chapter 4, Art. 10–15, 17): rounds, applications, materials, register.

Diagram ``bpmn-diagrams/recognition.bpmn`` (process key ``recognition``), decision tables
``art7_thresholds.dmn`` / ``art8_thresholds.dmn``. The ``application`` row mirrors each instance
(``hooks.sync_application``, run on every save; installed by ``processes.areas``); the register
is written when an instance ends at ``end_granted``. Supervision reads ``platform_register`` (status
recognised / expired / revoked, ``ban_until`` for Art. 21).
"""
