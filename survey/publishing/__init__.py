"""Publishing a closed round's results on a public page per municipality and round."""
