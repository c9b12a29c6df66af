def generate_national(*a, **k):
    raise NotImplementedError
