from drivers import id_number as idn
from drivers.identity import Identity


def identity_of(name: str, number: str) -> Identity:
    return Identity(
        name=name, id_number=number, sex=idn.sex(number), birth_date=idn.birth_date(number)
    )
