"""iJw/iWmo 3.2: the official XSDs and code lists (data), and streaming message readers."""
