from rest_framework.exceptions import ValidationError
from rest_framework.pagination import PageNumberPagination


def _whole_number(raw: str) -> int | None:
    """`raw` as a whole number of 1 or more, else None."""
    if raw.isascii() and raw.isdigit() and int(raw) >= 1:
        return int(raw)
    return None


class Pagination(PageNumberPagination):
    """API.md: {"count", "next", "previous", "results"}, ?page_size= up to 200.

    A page or page size that is not a whole number of 1 or more is a 400 naming the
    parameter (not silently the default); a page past the last one is DRF's 404.
    """

    page_size = 50
    page_size_query_param = "page_size"
    max_page_size = 200

    def get_page_size(self, request) -> int:
        raw = request.query_params.get(self.page_size_query_param, "")
        if raw == "":
            return self.page_size
        size = _whole_number(raw)
        if size is None:
            raise ValidationError(
                {self.page_size_query_param: [f"A whole number from 1 to {self.max_page_size}."]}
            )
        return min(size, self.max_page_size)

    def paginate_queryset(self, queryset, request, view=None):
        raw = request.query_params.get(self.page_query_param, "")
        if raw not in ("", *self.last_page_strings) and _whole_number(raw) is None:
            raise ValidationError({self.page_query_param: ["A page number: 1 or more."]})
        return super().paginate_queryset(queryset, request, view)
