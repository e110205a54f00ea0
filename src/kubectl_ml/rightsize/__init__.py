"""The recommender: usage statistics + current specs + settings -> requests and limits. Pure."""
