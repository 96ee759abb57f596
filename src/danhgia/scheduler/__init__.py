"""danhgia package."""
