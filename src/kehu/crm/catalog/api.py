"""REST endpoints of products and product categories."""

from django.db.models import Q, QuerySet
from django.http import Http404, HttpRequest
from ninja import Query, Router
from ninja.pagination import paginate
from ninja.responses import Status

from kehu.crm.catalog import actions
from kehu.crm.catalog.models import Product, ProductCategory
from kehu.crm.catalog.schemas import (
    CategoryOut,
    ProductFilters,
    ProductIn,
    ProductOut,
    ProductPatch,
)
from kehu.crm.rest import (
    ERRORS,
    DbId,
    Pagination,
    fields_renamed,
    filter_given,
    get_or_invalid,
    require_perm,
)

router = Router(tags=["catalog"])

FIELD_NAMES = {"category": "category_id"}


def _product(pk: int) -> Product:
    product = Product.objects.select_related("category").filter(pk=pk).first()
    if product is None:
        raise Http404(f"No product with id {pk}.")
    return product


def _resolve_category(fields: dict[str, object]) -> None:
    if "category_id" in fields:
        fields["category"] = get_or_invalid(
            ProductCategory.objects.all(), fields.pop("category_id"), "category_id", "category"
        )


@router.get("/products", response=list[ProductOut], summary="List products")
@paginate(Pagination)
def list_products(request: HttpRequest, filters: Query[ProductFilters]) -> QuerySet[Product]:
    require_perm(request, "catalog.view_product")
    products = Product.objects.select_related("category")
    if filters.q.strip():
        q = filters.q.strip()
        products = products.filter(Q(name__icontains=q) | Q(sku__icontains=q))
    products = filter_given(products, filters, "category_id", "is_active")
    return products.order_by("name", "id")


@router.post("/products", response={201: ProductOut, **ERRORS}, summary="Create a product")
def create_product(request: HttpRequest, payload: ProductIn) -> Status:
    require_perm(request, "catalog.add_product")
    fields = payload.model_dump()
    _resolve_category(fields)
    with fields_renamed(FIELD_NAMES):
        product = actions.create_product(**fields)
    return Status(201, _product(product.pk))


@router.get("/products/{product_id}", response={200: ProductOut, **ERRORS})
def get_product(request: HttpRequest, product_id: DbId) -> Product:
    require_perm(request, "catalog.view_product")
    return _product(product_id)


@router.patch("/products/{product_id}", response={200: ProductOut, **ERRORS})
def update_product(request: HttpRequest, product_id: DbId, payload: ProductPatch) -> Product:
    require_perm(request, "catalog.change_product")
    product = _product(product_id)
    fields = payload.model_dump(exclude_unset=True)
    _resolve_category(fields)
    with fields_renamed(FIELD_NAMES):
        actions.update_product(product, **fields)
    return _product(product_id)


@router.get("/product-categories", response=list[CategoryOut], summary="List categories")
@paginate(Pagination)
def list_categories(request: HttpRequest) -> QuerySet[ProductCategory]:
    require_perm(request, "catalog.view_productcategory")
    return ProductCategory.objects.order_by("name", "id")
