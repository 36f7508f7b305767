"""Use cases. Each public function is one transaction: it opens ``with uow:``, and commits once."""
