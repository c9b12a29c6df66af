def write_large_jw323(*a, **k):
    raise NotImplementedError
