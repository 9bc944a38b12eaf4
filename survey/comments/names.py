"""Common Danish first names and surnames (Danmarks Statistik's most frequent), shipped so a
name in a comment is caught before it reaches a report. A flag, not a verdict: the analyst
decides; a name missing here is why every comment is still read before it is quoted."""

_FIRST = """
    Peter Jens Lars Michael Henrik Søren Thomas Jan Niels Christian Martin Anders Morten
    Jesper Mads Rasmus Hans Per Kim Ole Mikkel Jørgen Erik Frederik Poul Torben Steen Jakob
    Brian Claus Bo Kasper Nikolaj Carsten Lasse Allan John Simon Tommy Flemming Kenneth
    Kristian Daniel Emil Mathias Oliver William Noah Lucas Victor Magnus Jonas Sebastian
    Anne Kirsten Mette Hanne Anna Helle Susanne Lene Maria Marianne Lone Camilla Pia Louise
    Charlotte Bente Tina Gitte Inge Karen Jette Birgitte Rikke Julie Sanne Heidi Ida Emma
    Sofie Laura Mia Freja Clara Ella Alma Karin Ruth Else Hanna Birthe Dorthe Lise Annette
    Tove Merete Malene Line Katrine Maja Cecilie Signe Nanna Mathilde Josefine Caroline
    Ahmed Mohammed Ali Hassan Fatima Aisha
    """

_SURNAMES = """
    Jensen Nielsen Hansen Pedersen Andersen Christensen Larsen Sørensen Rasmussen Jørgensen
    Petersen Madsen Kristensen Olsen Thomsen Christiansen Poulsen Johansen Møller Mortensen
    Knudsen Jakobsen Jacobsen Mikkelsen Olesen Frederiksen Laursen Henriksen Lund Schmidt
    Eriksen Holm Kristiansen Simonsen Clausen Svendsen Andreasen Iversen Jeppesen Mogensen
    Jespersen Nissen Lauridsen Kjær Jepsen Frandsen Østergaard Søndergaard Dahl Bertelsen
    Vestergaard Nygaard Kjeldsen Lassen Bach Kristoffersen Mathiasen Thygesen Toft Riis
    """

FIRST_NAMES = frozenset(_FIRST.split())
SURNAMES = frozenset(_SURNAMES.split())
NAMES = FIRST_NAMES | SURNAMES
