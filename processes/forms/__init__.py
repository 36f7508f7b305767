"""Forms of user tasks, from the diagram (``camunda:formData``): what a field is (``model``), how a
submission is checked before anything is saved (``checks``), and how a form describes itself to a
page or an API client (``describe``)."""
